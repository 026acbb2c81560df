function FindProxyForURL(url, host) {
  return FindProxyForURL;
}

