"""Sign-in: users with roles (viewer, editor of organisations, admin), argon2 password hashes,
signed session cookies, CSRF tokens and login rate limiting."""
