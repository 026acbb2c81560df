function FindProxyForURL(url, host) {
  // This will throw a runtime exception.
  return "PROXY x" + undefined_variable;
}

