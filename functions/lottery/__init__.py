"""Lotteries (抽奖): merchant campaigns with prizes (coupon, points, product, thanks), entries earned by
joining, check-ins, orders and shares, and draws that never hand out a prize beyond its stock."""
