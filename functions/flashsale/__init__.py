"""Flash sales (秒杀): merchant sales with sharded stock, shopper listings, settlement after the end."""
