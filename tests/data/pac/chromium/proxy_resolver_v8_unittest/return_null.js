function FindProxyForURL(url, host) {
  return null;
}

