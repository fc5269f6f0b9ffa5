-- Telling the buyer: the outbox of replies to buyers' comments (public.buyer_messages), one row per
-- outgoing message, written by a trigger on public.claims in the same transaction as the claim
-- event that causes it, so no message is lost and none is written twice (idempotency_key).
-- The allocation and operator functions are left as they are: the trigger derives the events from
-- the claims they write. supabase/functions/meta-outbox sends the rows.
--
-- Events: won (a claim wins a unit), promoted (a waiter moves up to winner), waitlisted (a claim
-- joins the waitlist, with its position). Channels: public_reply (a reply under the comment) and
-- private_reply (a Messenger / Instagram Direct message to the commenter, Meta's "private reply").
-- Per workspace and event (workspaces.settings -> 'buyer_messages'): on/off, channel (public,
-- private, both) and one template per channel; a show can switch all of it off.

alter table public.shows add column buyer_messages_enabled boolean not null default true;

create table public.buyer_messages (
	id uuid primary key default gen_random_uuid(),
	workspace_id uuid not null references public.workspaces (id) on delete cascade,
	show_id uuid not null references public.shows (id) on delete cascade,
	claim_id uuid not null references public.claims (id) on delete cascade,
	-- The Page or Instagram account the message goes out through.
	connection_id uuid references public.social_connections (id) on delete set null,
	platform text not null check (platform in ('facebook', 'instagram')),
	-- The platform's id of the buyer's comment the message answers.
	comment_id text not null,
	-- When the buyer commented: Facebook takes a private reply within 7 days of it.
	commented_at timestamptz,
	-- Who the buyer is within the show (the claim's platform user id, or '@' + handle).
	buyer_key text not null,
	event text not null check (event in ('won', 'promoted', 'waitlisted')),
	channel text not null check (channel in ('public_reply', 'private_reply')),
	text text not null check (length(text) between 1 and 2000),
	-- queued → sending → sent | failed; skipped: never attempted, because a Meta rule forbids it.
	status text not null default 'queued' check (status in ('queued', 'sending', 'sent', 'failed', 'skipped')),
	-- Why it failed or was skipped (or what a retry waits for), in words for the console.
	reason_code text,
	reason text check (length(reason) <= 1000),
	attempts int not null default 0 check (attempts >= 0),
	next_attempt_at timestamptz not null default now(),
	-- The sender's lease while it works on the row.
	lease_token uuid,
	lease_until timestamptz,
	-- A Graph answer may have been lost (a crash mid-send, a 5xx, a timeout): check Meta before sending again.
	uncertain boolean not null default false,
	-- Several messages to one buyer go out as one: the row whose comment carried them, and the text sent.
	carrier_id uuid references public.buyer_messages (id) on delete set null,
	sent_text text check (length(sent_text) <= 2000),
	sent_at timestamptz,
	-- Meta's id of the message or comment reply.
	external_message_id text,
	-- event:claim:comment:channel, so an event is queued once per comment and channel.
	idempotency_key text not null unique,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	constraint buyer_messages_sent_has_time check ((status = 'sent') = (sent_at is not null)),
	constraint buyer_messages_reason_when_ended_badly check (status not in ('failed', 'skipped') or reason is not null)
);
create index buyer_messages_show_id_created_at_idx on public.buyer_messages (show_id, created_at);
create index buyer_messages_claim_id_idx on public.buyer_messages (claim_id);
create index buyer_messages_due_idx on public.buyer_messages (next_attempt_at) where status in ('queued', 'sending');
create index buyer_messages_buyer_idx on public.buyer_messages (show_id, buyer_key, channel, sent_at);
create index buyer_messages_comment_id_idx on public.buyer_messages (comment_id, channel);
create index buyer_messages_carrier_id_idx on public.buyer_messages (carrier_id);
create index buyer_messages_connection_id_idx on public.buyer_messages (connection_id);
create trigger set_updated_at before update on public.buyer_messages
	for each row execute function private.set_updated_at();

alter table public.buyer_messages enable row level security;
revoke all on public.buyer_messages from anon;
revoke insert, update, delete, truncate, references, trigger on public.buyer_messages from authenticated;
create policy "members read their workspace's buyer messages" on public.buyer_messages
	for select to authenticated
	using (show_id in (select private.member_show_ids()));

-- The console follows each claim's messages; full rows so updates carry show_id for the filter.
alter table public.buyer_messages replica identity full;
alter publication supabase_realtime add table public.buyer_messages;

-- The placeholders a template may use.
create function private.buyer_message_placeholders() returns text[]
language sql immutable
set search_path = ''
as $$
	select array['handle', 'name', 'item', 'title', 'variant', 'price', 'position']
$$;

-- Plain-English defaults per event. Waitlisted buyers hear it publicly only: a comment takes one
-- private reply, which is kept for the moment the item becomes theirs.
create function private.buyer_message_defaults() returns jsonb
language sql immutable
set search_path = ''
as $$
	select jsonb_build_object(
		'won', jsonb_build_object(
			'enabled', true,
			'channel', 'both',
			'public_template', '{handle} you got #{item}! Check your messages.',
			'private_template', 'Hi {name}, you got #{item} {title} {variant} {price}. We will send your total and how to pay soon.'),
		'promoted', jsonb_build_object(
			'enabled', true,
			'channel', 'both',
			'public_template', '{handle} good news: #{item} is yours now! Check your messages.',
			'private_template', 'Good news {name}: #{item} {title} {variant} {price} is yours now. We will send your total and how to pay soon.'),
		'waitlisted', jsonb_build_object(
			'enabled', true,
			'channel', 'public',
			'public_template', '{handle} you are #{position} in line for #{item}. We will tell you if it becomes yours.',
			'private_template', 'You are #{position} in line for #{item} {title}. We will message you if it becomes yours.')
	)
$$;

-- The workspace's settings for every event: what it saved, each missing or unusable field taken
-- from the defaults (settings is a JSON object members' admins may write directly).
create function private.buyer_message_settings(settings jsonb) returns jsonb
language sql immutable
set search_path = ''
as $$
	select jsonb_object_agg(d.key, jsonb_build_object(
		'enabled', case when jsonb_typeof(s.value -> 'enabled') = 'boolean' then (s.value -> 'enabled') else d.value -> 'enabled' end,
		'channel', case when s.value ->> 'channel' in ('public', 'private', 'both') then s.value -> 'channel' else d.value -> 'channel' end,
		'public_template', case when jsonb_typeof(s.value -> 'public_template') = 'string' and length(btrim(s.value ->> 'public_template')) between 1 and 1000
			then s.value -> 'public_template' else d.value -> 'public_template' end,
		'private_template', case when jsonb_typeof(s.value -> 'private_template') = 'string' and length(btrim(s.value ->> 'private_template')) between 1 and 1000
			then s.value -> 'private_template' else d.value -> 'private_template' end))
	from jsonb_each(private.buyer_message_defaults()) d
	left join lateral (select settings -> 'buyer_messages' -> d.key as value) s
		on jsonb_typeof(settings -> 'buyer_messages' -> d.key) = 'object'
$$;

-- A template filled in: each {placeholder} replaced by its value (empty when unknown), then the
-- gaps an empty value leaves closed ("#12  ." → "#12."). At most 2,000 characters, Messenger's limit.
create function private.render_buyer_message(template text, placeholder_values jsonb) returns text
language plpgsql immutable
set search_path = ''
as $$
declare
	rendered text := template;
	placeholder text;
begin
	foreach placeholder in array private.buyer_message_placeholders() loop
		rendered := replace(rendered, '{' || placeholder || '}', coalesce(placeholder_values ->> placeholder, ''));
	end loop;
	rendered := regexp_replace(rendered, '[ \t]+', ' ', 'g');
	rendered := regexp_replace(rendered, ' +([.,!?:;])', '\1', 'g');
	return left(btrim(rendered), 2000);
end;
$$;

-- An amount in minor units as buyers read it: 1250 USD → "12.50 USD", 1250 JPY → "1250 JPY".
create function private.format_price(amount bigint, currency text) returns text
language sql stable
set search_path = ''
as $$
	select case when amount is null then null else
		to_char(amount / power(10, c.minor_unit)::numeric, 'FM999999999990' || case when c.minor_unit > 0 then '.' || repeat('0', c.minor_unit) else '' end)
		|| ' ' || c.code
	end
	from public.currencies c
	where c.code = currency
$$;

-- The messages a claim event causes, queued in the claim's transaction. Only real claims on a
-- show whose messages are on and whose connection (of the claim's platform) is active; a claim
-- without a platform comment (a manual award) has nothing to reply to. Meta's rules are checked
-- when a message is due (public.meta_outbox_lease), so a resent message meets them again.
create function private.queue_buyer_messages() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
	event text;
	target_show public.shows;
	target_connection public.social_connections;
	item public.show_items;
	settings jsonb;
	event_settings jsonb;
	placeholder_values jsonb;
	commented_at timestamptz;
	channel text;
begin
	if new.is_test or new.platform not in ('facebook', 'instagram') or new.comment_id is null then
		return null;
	end if;
	if tg_op = 'INSERT' and new.status = 'winner' then
		event := 'won';
	elsif tg_op = 'INSERT' and new.status = 'waitlist' then
		event := 'waitlisted';
	elsif tg_op = 'UPDATE' and old.status = 'waitlist' and new.status = 'winner' then
		event := 'promoted';
	else
		return null;
	end if;

	select * into target_show from public.shows s where s.id = new.show_id;
	if not target_show.buyer_messages_enabled then
		return null;
	end if;
	select * into target_connection from public.social_connections c
	where c.id = target_show.connection_id and c.status = 'active' and c.platform = new.platform;
	if not found then
		return null;
	end if;
	select w.settings into settings from public.workspaces w where w.id = target_show.workspace_id;
	event_settings := private.buyer_message_settings(settings) -> event;
	if not (event_settings ->> 'enabled')::boolean then
		return null;
	end if;

	select * into item from public.show_items i where i.id = new.show_item_id;
	select c.commented_at into commented_at from public.comments c where c.id = new.source_comment_id;
	placeholder_values := jsonb_build_object(
		-- Instagram names people by @username; Facebook gives a name only.
		'handle', case when new.user_handle is not null then '@' || new.user_handle else coalesce(new.user_display_name, '') end,
		'name', coalesce(new.user_display_name, new.user_handle, ''),
		'item', new.item_number,
		'title', item.title,
		'variant', nullif(item.variant_label, ''),
		'price', private.format_price(item.price, target_show.currency),
		'position', new.waitlist_position::text);

	foreach channel in array case event_settings ->> 'channel'
		when 'public' then array['public_reply'] when 'private' then array['private_reply']
		else array['public_reply', 'private_reply'] end loop
		insert into public.buyer_messages (
			workspace_id, show_id, claim_id, connection_id, platform, comment_id, commented_at, buyer_key,
			event, channel, text, idempotency_key)
		values (target_show.workspace_id, target_show.id, new.id, target_connection.id, new.platform, new.comment_id,
			commented_at, coalesce(new.platform_user_id, '@' || lower(new.user_handle)), event, channel,
			coalesce(nullif(private.render_buyer_message(
				event_settings ->> (case channel when 'public_reply' then 'public_template' else 'private_template' end),
				placeholder_values), ''), '#' || new.item_number),
			format('%s:%s:%s:%s', event, new.id, new.comment_id, channel))
		on conflict (idempotency_key) do nothing;
	end loop;
	return null;
end;
$$;

create trigger queue_buyer_messages after insert or update of status, waitlist_position on public.claims
	for each row execute function private.queue_buyer_messages();

revoke execute on function
	private.buyer_message_placeholders(),
	private.buyer_message_defaults(),
	private.buyer_message_settings(jsonb),
	private.render_buyer_message(text, jsonb),
	private.format_price(bigint, text),
	private.queue_buyer_messages()
from public, anon, authenticated, service_role;
