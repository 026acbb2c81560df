"""The browser's side of a call: a local page checks camera, microphone and the browser's own ICE path."""
