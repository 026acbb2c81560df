"""CallReady: is this computer and network ready for browser video interviews?"""

__version__ = "0.1.0"
TOOL_NAME = "CallReady"
