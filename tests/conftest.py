"""Shared test set-up. The suite runs headless: SDL gets dummy video and audio drivers here,
before anything imports pygame, so nobody has to set them by hand."""

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
