"""Shareable discounts after payment (社交立减金): merchant rules, pools paid orders create, friends claims."""
