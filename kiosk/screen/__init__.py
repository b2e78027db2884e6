"""The drawing process: the loop, the navigator, layout and rendering, input and output.
The only package that imports pygame at module level."""
