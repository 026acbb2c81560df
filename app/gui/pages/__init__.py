"""The wizard's four pages: welcome, checking, result, share."""
