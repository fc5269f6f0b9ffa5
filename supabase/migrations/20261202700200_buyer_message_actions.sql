-- What the console does with buyer messages: read and save the workspace's message settings
-- (admins), switch a show's messages off or on (admins), and send a failed or skipped message
-- again or copy its text to send by hand (whoever runs the live console). Each is audited.

-- The workspace's settings per event, defaults filled in, for the settings page.
create function public.buyer_message_settings(workspace_id uuid) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
begin
	perform private.require_workspace_role(buyer_message_settings.workspace_id, 'assistant', 'workspace');
	return jsonb_build_object(
		'events', (select private.buyer_message_settings(w.settings) from public.workspaces w where w.id = buyer_message_settings.workspace_id),
		'defaults', private.buyer_message_defaults(),
		'placeholders', to_jsonb(private.buyer_message_placeholders()));
end;
$$;

-- Saves the settings of the events given ({won: {enabled, channel, public_template,
-- private_template}, ...}); events left out keep theirs. Templates are 1-1,000 characters and
-- use only the known placeholders. Returns the settings as buyer_message_settings does.
create function public.set_buyer_message_settings(workspace_id uuid, settings jsonb) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
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
		if not private.buyer_message_defaults() ? event then
			raise sqlstate '22023' using message = format('unknown message event %s: use won, promoted or waitlisted', event);
		end if;
		if jsonb_typeof(given) <> 'object' then
			raise sqlstate '22023' using message = format('the settings of %s must be an object', event);
		end if;
		for field in select jsonb_object_keys(given) loop
			if field not in ('enabled', 'channel', 'public_template', 'private_template') then
				raise sqlstate '22023' using message = format('%s has no setting %s', event, field);
			end if;
		end loop;
		if given ? 'enabled' and jsonb_typeof(given -> 'enabled') <> 'boolean' then
			raise sqlstate '22023' using message = format('%s: enabled must be true or false', event);
		end if;
		if given ? 'channel' and coalesce(given ->> 'channel', '') not in ('public', 'private', 'both') then
			raise sqlstate '22023' using message = format('%s: channel must be public, private or both', event);
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
			select string_agg(distinct '{' || placeholder.name[1] || '}', ', ') into unknown
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

-- A show's messages off (nothing more is queued for it) or on again.
create function public.set_show_buyer_messages(show_id uuid, enabled boolean) returns public.shows
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.shows;
	after public.shows;
begin
	if enabled is null then
		raise sqlstate '22023' using message = 'enabled must be true or false';
	end if;
	before := private.lock_show(show_id, 'admin');
	update public.shows s set buyer_messages_enabled = set_show_buyer_messages.enabled
	where s.id = set_show_buyer_messages.show_id
	returning * into after;
	perform private.record_audit(after.workspace_id, after.id, 'show.set_buyer_messages', 'show', after.id,
		jsonb_build_object('buyer_messages_enabled', before.buyer_messages_enabled),
		jsonb_build_object('buyer_messages_enabled', after.buyer_messages_enabled));
	return after;
end;
$$;

-- A failed or skipped message queued again. The sender checks Meta's rules again before sending:
-- a message a rule forbids is skipped again, with the reason.
create function public.resend_buyer_message(message_id uuid) returns public.buyer_messages
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.buyer_messages;
	after public.buyer_messages;
begin
	select * into before from public.buyer_messages m where m.id = resend_buyer_message.message_id;
	if not found then
		raise sqlstate 'PT404' using message = 'message not found';
	end if;
	perform private.lock_show(before.show_id, 'assistant');
	select * into before from public.buyer_messages m where m.id = resend_buyer_message.message_id for update;
	if before.status not in ('failed', 'skipped') then
		raise sqlstate 'PT409' using message = format('only a failed or skipped message can be sent again; this one is %s', before.status);
	end if;
	update public.buyer_messages m set
		status = 'queued', reason_code = null, reason = null, attempts = 0, next_attempt_at = now(),
		lease_token = null, lease_until = null, uncertain = false, carrier_id = null, sent_text = null
	where m.id = resend_buyer_message.message_id
	returning * into after;
	perform private.record_audit(after.workspace_id, after.show_id, 'buyer_message.resend', 'buyer_message', after.id,
		to_jsonb(before), to_jsonb(after));
	return after;
end;
$$;

-- The operator copied a message's text to send it by hand: recorded, since the console cannot
-- tell whether it was sent.
create function public.note_buyer_message_copied(message_id uuid) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	copied public.buyer_messages;
begin
	select * into copied from public.buyer_messages m where m.id = note_buyer_message_copied.message_id;
	if not found then
		raise sqlstate 'PT404' using message = 'message not found';
	end if;
	perform private.require_workspace_role(copied.workspace_id, 'assistant', 'message');
	perform private.record_audit(copied.workspace_id, copied.show_id, 'buyer_message.copy', 'buyer_message', copied.id,
		null, null, jsonb_build_object('status', copied.status, 'reason', copied.reason));
end;
$$;

revoke execute on function
	public.buyer_message_settings(uuid),
	public.set_buyer_message_settings(uuid, jsonb),
	public.set_show_buyer_messages(uuid, boolean),
	public.resend_buyer_message(uuid),
	public.note_buyer_message_copied(uuid)
from public, anon, service_role;
grant execute on function
	public.buyer_message_settings(uuid),
	public.set_buyer_message_settings(uuid, jsonb),
	public.set_show_buyer_messages(uuid, boolean),
	public.resend_buyer_message(uuid),
	public.note_buyer_message_copied(uuid)
to authenticated;
