function FindProxyForURL(url, host) {
  return 0;
}

