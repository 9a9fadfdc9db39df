"""Sandbox capability (local mode only): the WeChat Pay simulator's HTTP face."""
