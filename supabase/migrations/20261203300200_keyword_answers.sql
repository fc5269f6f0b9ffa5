-- Keyword answers without a person: a buyer who writes only `cart`, `total` or `pay` (any case,
-- accents or punctuation; also "my cart", "cart ko", "kabuuan", "magkano", "bayad", "magbayad")
-- gets their open or invoiced orders with the lines, the total in the order's currency and the
-- payment link, or a polite "no open order". Anything else waits for the seller.

-- The keyword a whole message is, or null: letters only, accents folded.
create function private.conversation_keyword(message text) returns text
language sql immutable
set search_path = ''
as $$
	select case regexp_replace(
		translate(lower(coalesce(message, '')),
			'ÁÀÂÄÃáàâäãÉÈÊËéèêëÍÌÎÏíìîïÓÒÔÖÕóòôöõÚÙÛÜúùûüÑñ',
			'aaaaaaaaaaeeeeeeeeiiiiiiiioooooooooouuuuuuuunn'),
		'[^a-z]', '', 'g')
		when 'cart' then 'cart' when 'mycart' then 'cart' when 'cartko' then 'cart' when 'kart' then 'cart'
		when 'total' then 'total' when 'mytotal' then 'total' when 'totalko' then 'total'
		when 'kabuuan' then 'total' when 'magkano' then 'total'
		when 'pay' then 'pay' when 'payment' then 'pay' when 'bayad' then 'pay' when 'magbayad' then 'pay'
	end
$$;

-- The answer to a keyword: {text, order_id} (order_id: the newest order it names, or null).
-- Meta asks automated chats to say so ("Informing Users About Your Automated Experience" in
-- Messenger Platform "Send a Message"), hence "Automatic answer".
create function private.keyword_answer(conversation_id uuid, keyword text) returns jsonb
language plpgsql stable
set search_path = ''
as $$
declare
	found_order record;
	parts text[] := '{}';
	newest_order_id uuid;
begin
	for found_order in
		select o.id, o.status, o.total, o.currency, o.payment_url, o.unpriced_lines,
			(select string_agg(format('#%s %s%s x%s %s', l.item_number, coalesce(nullif(l.title, ''), 'item'),
					case when l.variant_label <> '' then ' (' || l.variant_label || ')' else '' end, l.quantity,
					coalesce(private.format_price(l.line_total, o.currency), 'price to come')),
				E'\n' order by l.item_number, l.created_at)
			from public.order_lines l where l.order_id = o.id and l.removed_at is null) as lines
		from public.conversation_orders(keyword_answer.conversation_id) o
		where o.status in ('open', 'invoicing', 'invoiced')
		order by o.created_at desc, o.id
		limit 3
	loop
		newest_order_id := coalesce(newest_order_id, found_order.id);
		parts := parts || concat_ws(E'\n',
			case when keyword = 'cart' then found_order.lines end,
			'Total: ' || private.format_price(found_order.total, found_order.currency)
				|| case when found_order.unpriced_lines > 0 then ' (some prices to come)' else '' end,
			case
				when found_order.payment_url is not null then 'Pay here: ' || found_order.payment_url
				when keyword = 'pay' then 'Your payment link is on its way; we will send it here.'
			end);
	end loop;
	if newest_order_id is null then
		return jsonb_build_object('order_id', null, 'text',
			'Automatic answer: we found no open order for you. Claim an item in our live and it will show up here. The seller reads every message.');
	end if;
	return jsonb_build_object('order_id', newest_order_id, 'text',
		left('Automatic answer: your order' || E'\n' || array_to_string(parts, E'\n\n'), 2000));
end;
$$;

revoke execute on function private.conversation_keyword(text), private.keyword_answer(uuid, text)
	from public, anon, authenticated, service_role;
