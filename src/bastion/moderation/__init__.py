"""Moderation and lifecycle: soft delete, yank, project status, admin switches and names."""
