"""The network lab: namespaces, a firewall router and real servers (see docs/lab.md)."""
