function FindProxyForURL(url, host) {
  return undefined;
}

