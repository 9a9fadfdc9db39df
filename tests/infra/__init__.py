"""Tests of the AWS form: the packaged template, its validators and the build."""
