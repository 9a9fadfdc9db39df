"""Bargains (砍价): merchant activities, shopper sessions shared with friends, friends' cuts."""
