-- Who placed the order (from the access token: staff:<user>, client:<client id>, subscriber:<customer number>).
-- NULL for orders placed before identity existed.
ALTER TABLE hub.product_order ADD COLUMN placed_by text;
