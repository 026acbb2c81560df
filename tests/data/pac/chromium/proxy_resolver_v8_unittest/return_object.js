function FindProxyForURL(url, host) {
  return {result: "PROXY foo"};
}

