"""Helpers for the browser's Pilot tests: what is on the screen, and waiting for the loaders."""

from __future__ import annotations


def screen_lines(app) -> list[str]:
    """The text of every terminal row, as the user sees it (after Textual composited the
    widgets, so a widget too short for its content shows only what fits)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def loaded(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()
