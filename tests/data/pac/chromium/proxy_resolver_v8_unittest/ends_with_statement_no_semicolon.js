// Ends with a statement, and no terminal newline.
function FindProxyForURL(url, host) { return "PROXY success:" + x; }
x = 3