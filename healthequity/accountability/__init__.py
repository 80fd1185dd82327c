"""Accountability: the recommendations under their themes, their actions, owners, milestones and
progress updates, links to the indicators that measure them, and the append-only audit trail."""
