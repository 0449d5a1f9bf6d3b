-- One database per service. The services also create their own database if it is missing;
-- creating them here lets a DBA own them (and grant per-service users) before the first start.
CREATE DATABASE shop_user;
CREATE DATABASE shop_order;
CREATE DATABASE shop_coupon;
CREATE DATABASE shop_points;
CREATE DATABASE shop_payment;
