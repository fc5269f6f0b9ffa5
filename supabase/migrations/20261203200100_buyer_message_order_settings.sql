-- Buyer-message settings for the events beyond claims: an item that needs a variant, an order's
-- payment link, its payment, its hold expiring soon and expired. New placeholders {link} (the
-- payment link), {total} (the order's total), {deadline} (when the hold ends, in UTC, e.g. "Tue 1
-- Dec 18:00 UTC": the workspace keeps no time zone, so the zone is always named) and {variants}
-- (the item's variant labels). An order's messages are private only: a payment link or a total
-- does not belong under a public comment. hold_expiring also says how many hours before the
-- deadline the reminder goes (1-48; switching the event off sends none).

create or replace function private.buyer_message_placeholders() returns text[]
language sql immutable
set search_path = ''
as $$
	select array['handle', 'name', 'item', 'title', 'variant', 'price', 'position', 'variants', 'link', 'total', 'deadline']
$$;

-- Private-only events carry no public_template.
create or replace function private.buyer_message_defaults() returns jsonb
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
			'private_template', 'You are #{position} in line for #{item} {title}. We will message you if it becomes yours.'),
		-- Public only by default, like waitlisted: the comment's one private reply is kept for the win.
		'needs_variant', jsonb_build_object(
			'enabled', true,
			'channel', 'public',
			'public_template', '{handle} which one of #{item} would you like: {variants}? Comment again with your choice.',
			'private_template', 'Hi {name}, which one of #{item} {title} would you like: {variants}? Comment again on the live with your choice.'),
		'invoice_ready', jsonb_build_object(
			'enabled', true,
			'channel', 'private',
			'private_template', 'Your total is {total}. Pay here: {link} Please pay by {deadline} to keep your items.'),
		'payment_received', jsonb_build_object(
			'enabled', true,
			'channel', 'private',
			'private_template', 'Thank you {name}, we received your payment of {total}.'),
		'hold_expiring', jsonb_build_object(
			'enabled', true,
			'channel', 'private',
			'hours_before', 2,
			'private_template', 'Reminder: your items are held until {deadline}. Pay {total} here: {link}'),
		'hold_expired', jsonb_build_object(
			'enabled', true,
			'channel', 'private',
			'private_template', 'Sorry {name}, the time to pay has passed, so your items went to the next buyer in line.')
	)
$$;

-- The workspace's settings for every event: what it saved, each missing or unusable field taken
-- from the defaults. Private-only events keep channel 'private' and no public_template.
create or replace function private.buyer_message_settings(settings jsonb) returns jsonb
language sql immutable
set search_path = ''
as $$
	select jsonb_object_agg(d.key, jsonb_strip_nulls(jsonb_build_object(
		'enabled', case when jsonb_typeof(s.value -> 'enabled') = 'boolean' then (s.value -> 'enabled') else d.value -> 'enabled' end,
		'channel', case when d.value ? 'public_template' and s.value ->> 'channel' in ('public', 'private', 'both')
			then s.value -> 'channel' else d.value -> 'channel' end,
		'public_template', case when not d.value ? 'public_template' then null
			when jsonb_typeof(s.value -> 'public_template') = 'string' and length(btrim(s.value ->> 'public_template')) between 1 and 1000
			then s.value -> 'public_template' else d.value -> 'public_template' end,
		'private_template', case when jsonb_typeof(s.value -> 'private_template') = 'string' and length(btrim(s.value ->> 'private_template')) between 1 and 1000
			then s.value -> 'private_template' else d.value -> 'private_template' end,
		'hours_before', case when not d.value ? 'hours_before' then null
			when jsonb_typeof(s.value -> 'hours_before') = 'number' and (s.value ->> 'hours_before')::numeric in (select generate_series(1, 48))
			-- Stored as a whole JSON number: 2.0 reads as 2, so every reader may cast it to int.
			then to_jsonb((s.value ->> 'hours_before')::numeric::int) else d.value -> 'hours_before' end)))
	from jsonb_each(private.buyer_message_defaults()) d
	left join lateral (select settings -> 'buyer_messages' -> d.key as value) s
		on jsonb_typeof(settings -> 'buyer_messages' -> d.key) = 'object'
$$;

-- When a hold ends, as buyers read it: "Tue 1 Dec 18:00 UTC".
create function private.format_deadline(deadline timestamptz) returns text
language sql immutable
set search_path = ''
as $$
	select to_char(deadline at time zone 'UTC', 'Dy FMDD Mon HH24:MI') || ' UTC'
$$;

-- Saves the settings of the events given ({won: {enabled, channel, public_template,
-- private_template}, hold_expiring: {..., hours_before}, ...}); events left out keep theirs.
-- Templates are 1-1,000 characters and use only the known placeholders; private-only events take
-- no public template and no channel but 'private'. Returns the settings as buyer_message_settings does.
create or replace function public.set_buyer_message_settings(workspace_id uuid, settings jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	defaults jsonb := private.buyer_message_defaults();
	event text;
	given jsonb;
	field text;
	template text;
	unknown text;
	saved jsonb;
begin
	perform private.require_workspace_role(set_buyer_message_settings.workspace_id, 'admin', 'workspace');
	if jsonb_typeof(settings) is distinct from 'object' then
		raise sqlstate '22023' using message = 'settings must be a JSON object of events';
	end if;
	select coalesce(w.settings -> 'buyer_messages', '{}') into saved
	from public.workspaces w where w.id = set_buyer_message_settings.workspace_id for update;
	if jsonb_typeof(saved) <> 'object' then
		saved := '{}';
	end if;
	for event, given in select * from jsonb_each(settings) loop
		if not defaults ? event then
			raise sqlstate '22023' using message = format('unknown message event %s: use %s', left(event, 60),
				(select string_agg(e, ', ') from jsonb_object_keys(defaults) e));
		end if;
		if jsonb_typeof(given) <> 'object' then
			raise sqlstate '22023' using message = format('the settings of %s must be an object', event);
		end if;
		for field in select jsonb_object_keys(given) loop
			if not (field in ('enabled', 'channel', 'private_template') or defaults -> event ? field) then
				raise sqlstate '22023' using message = format('%s has no setting %s', event, left(field, 60));
			end if;
		end loop;
		if given ? 'enabled' and jsonb_typeof(given -> 'enabled') <> 'boolean' then
			raise sqlstate '22023' using message = format('%s: enabled must be true or false', event);
		end if;
		if given ? 'channel' and defaults -> event ? 'public_template' and coalesce(given ->> 'channel', '') not in ('public', 'private', 'both') then
			raise sqlstate '22023' using message = format('%s: channel must be public, private or both', event);
		end if;
		if given ? 'channel' and not defaults -> event ? 'public_template' and given ->> 'channel' is distinct from 'private' then
			raise sqlstate '22023' using message = format('%s goes by private message only', event);
		end if;
		if given ? 'hours_before' and (jsonb_typeof(given -> 'hours_before') <> 'number'
			or (given ->> 'hours_before')::numeric not in (select generate_series(1, 48))) then
			raise sqlstate '22023' using message = format('%s: hours_before must be a whole number of hours from 1 to 48', event);
		end if;
		foreach field in array array['public_template', 'private_template'] loop
			continue when not given ? field;
			if jsonb_typeof(given -> field) <> 'string' then
				raise sqlstate '22023' using message = format('%s: %s must be text', event, field);
			end if;
			template := given ->> field;
			if length(btrim(template)) not between 1 and 1000 then
				raise sqlstate '22023' using message = format('%s: %s must be 1 to 1,000 characters', event, field);
			end if;
			select string_agg(distinct '{' || left(placeholder.name[1], 60) || '}', ', ') into unknown
			from regexp_matches(template, '\{([^{}]*)\}', 'g') as placeholder (name)
			where placeholder.name[1] <> all (private.buyer_message_placeholders());
			if unknown is not null then
				raise sqlstate '22023' using message = format('%s: %s uses unknown placeholders %s (known: %s)', event, field, unknown,
					(select string_agg('{' || p || '}', ', ') from unnest(private.buyer_message_placeholders()) p));
			end if;
		end loop;
		saved := jsonb_set(saved, array[event], coalesce(saved -> event, '{}') || given);
	end loop;
	-- The workspaces audit trigger records the change.
	update public.workspaces w set settings = jsonb_set(w.settings, '{buyer_messages}', saved)
	where w.id = set_buyer_message_settings.workspace_id;
	return public.buyer_message_settings(set_buyer_message_settings.workspace_id);
end;
$$;

revoke execute on function private.format_deadline(timestamptz) from public, anon, authenticated, service_role;
