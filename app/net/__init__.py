"""Network toolkit under the probes (issue 16): connections, look-ups and proxy routing shared by every probe."""
