-- The web-address check on products and show_items runs as whoever writes the row; service_role
-- (Edge Functions, Studio) writes those tables directly, so it may call it, as it may call
-- private.item_status.
grant execute on function private.are_web_urls(text[]) to service_role;
