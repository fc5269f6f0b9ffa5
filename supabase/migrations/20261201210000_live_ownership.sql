-- A show listens only to a live its workspace owns. Facebook live ids are public (they are in the
-- video's URL), so a live id from the browser proves nothing: a live reaches a running show only
-- after Meta confirmed, to the meta-lives function and with the connection's own token, that the
-- live belongs to that connection's Page or Instagram account (public.meta_confirm_lives,
-- service role only). Activation (and any later change of a show's live or connection) needs
-- such a confirmation for the show's connection, active and of the show's workspace.
-- A show without a connection can still be rehearsed: activated without a live, it is bound to
-- `rehearsal:<show id>`, which no Meta live id can equal, so no platform comment ever reaches it.
-- Connections are written only by the OAuth functions (service role and the definer functions of
-- 20261122006000_meta_connections.sql): clients can no longer insert or update their account ids.

create table private.meta_confirmed_lives (
	connection_id uuid not null references public.social_connections (id) on delete cascade,
	live_id text not null check (live_id ~ '^[0-9A-Za-z_]{1,64}$'),
	confirmed_at timestamptz not null default now(),
	primary key (connection_id, live_id)
);
alter table private.meta_confirmed_lives enable row level security;
revoke all on private.meta_confirmed_lives from public, anon, authenticated, service_role;

-- Lives Meta just listed or looked up for the connection's account (supabase/functions/meta-lives).
create function public.meta_confirm_lives(connection_id uuid, live_ids text[]) returns void
language sql volatile security definer
set search_path = ''
as $$
	insert into private.meta_confirmed_lives as confirmed (connection_id, live_id)
	select meta_confirm_lives.connection_id, given.live_id
	from unnest(meta_confirm_lives.live_ids) as given (live_id)
	on conflict (connection_id, live_id) do update set confirmed_at = now()
$$;

-- Raises unless the show may take comments from live_id through its connection (see the header).
create function private.assert_live_owned(show public.shows, live_id text) returns void
language plpgsql stable
set search_path = ''
as $$
declare
	connection public.social_connections;
begin
	if show.connection_id is null then
		raise sqlstate '22023' using message = format(
			'the show has no %s connection, so it cannot take a live''s comments: connect the account and choose it for the show (or activate without a live to rehearse)',
			show.platform);
	end if;
	select * into connection from public.social_connections c where c.id = show.connection_id;
	if connection.workspace_id is distinct from show.workspace_id or connection.platform is distinct from show.platform then
		raise sqlstate '22023' using message = format('the workspace has no %s connection %s', show.platform, show.connection_id);
	end if;
	if connection.status <> 'active' then
		raise sqlstate 'PT409' using message = format('the connection %s is %s: reconnect it first', coalesce(connection.display_name, connection.external_account_id), connection.status);
	end if;
	if not exists (
		select 1 from private.meta_confirmed_lives confirmed
		where confirmed.connection_id = connection.id and confirmed.live_id = assert_live_owned.live_id
	) then
		raise sqlstate '22023' using message = format(
			'Meta has not confirmed that live %s belongs to %s: pick it from the connection''s lives or check its address with Meta',
			live_id, coalesce(connection.display_name, connection.external_account_id));
	end if;
end;
$$;

-- Binds the show to one live its connection owns (or, without a connection and without a live, to
-- a rehearsal) and starts taking its comments.
create or replace function public.activate_show(show_id uuid, live_id text default null, live_url text default null) returns public.shows
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	target public.shows;
	bound_live text;
	running public.shows;
	running_connection public.social_connections;
begin
	target := private.lock_show(show_id, 'assistant');
	if target.status <> 'draft' then
		raise sqlstate 'PT409' using message = format('cannot activate a show that is %s', target.status);
	end if;
	bound_live := coalesce(nullif(trim(activate_show.live_id), ''), target.live_id);
	if bound_live is null and target.connection_id is null then
		bound_live := 'rehearsal:' || target.id;
	elsif bound_live is null then
		raise sqlstate '22023' using message = 'activate_show needs the live_id of the broadcast';
	else
		perform private.assert_live_owned(target, bound_live);
	end if;
	select * into running from public.shows other
	where other.platform = target.platform and other.live_id = bound_live
		and other.status in ('active', 'paused') and other.id <> target.id;
	-- Only a workspace that owns the live gets this far, so naming the other show tells nothing new.
	if running.id is not null and running.workspace_id = target.workspace_id then
		raise sqlstate 'PT409' using message = format('the show "%s" of this workspace is already running on this live: stop it first', running.name);
	elsif running.id is not null then
		select * into running_connection from public.social_connections c where c.id = running.connection_id;
		raise sqlstate 'PT409' using message = format(
			'another workspace that also connected %s is running a show on this live; a live feeds one show, so that show must stop first',
			coalesce(running_connection.display_name, running_connection.external_account_id, 'this account'));
	end if;
	return private.change_show_status(show_id, '{draft}', 'active', 'activate', bound_live, live_url);
end;
$$;

-- As before (20261122004000_show_actions.sql), and a show's live or connection changes only to a
-- pair Meta confirmed.
create or replace function public.update_show(show_id uuid, changes jsonb) returns public.shows
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.shows;
	after public.shows;
	unknown text[];
begin
	before := private.lock_show(show_id, 'admin');
	if jsonb_typeof(changes) is distinct from 'object' then
		raise sqlstate '22023' using message = 'changes must be a JSON object';
	end if;
	select array_agg(given) into unknown
	from jsonb_object_keys(changes) as given
	where given not in ('name', 'platform', 'connection_id', 'live_id', 'live_url', 'claim_words', 'pass_words');
	if unknown is not null then
		raise sqlstate '22023' using message = format('update_show cannot change %s', array_to_string(unknown, ', '));
	end if;
	if changes ? 'platform' and changes ->> 'platform' is distinct from before.platform and before.status <> 'draft' then
		raise sqlstate 'PT409' using message = 'the platform of a show can change only while it is a draft';
	end if;
	-- A draft may note the live it will take; activation binds it, and it stays bound until the end.
	if changes ? 'live_id' and nullif(trim(changes ->> 'live_id'), '') is distinct from before.live_id and before.status <> 'draft' then
		raise sqlstate 'PT409' using message = 'the live of a show can change only while it is a draft';
	end if;

	update public.shows s set
		name = case when changes ? 'name' then coalesce(changes ->> 'name', '') else s.name end,
		platform = case when changes ? 'platform' then changes ->> 'platform' else s.platform end,
		connection_id = case when changes ? 'connection_id' then (changes ->> 'connection_id')::uuid else s.connection_id end,
		live_id = case when changes ? 'live_id' then nullif(trim(changes ->> 'live_id'), '') else s.live_id end,
		live_url = case when changes ? 'live_url' then changes ->> 'live_url' else s.live_url end,
		claim_words = case when changes ? 'claim_words' then private.words_from_json(changes -> 'claim_words', 'claim_words') else s.claim_words end,
		pass_words = case when changes ? 'pass_words' then private.words_from_json(changes -> 'pass_words', 'pass_words') else s.pass_words end
	where s.id = before.id
	returning * into after;
	perform private.assert_connection_fits(after.workspace_id, after.platform, after.connection_id);
	if after.live_id is not null and (after.live_id is distinct from before.live_id or after.connection_id is distinct from before.connection_id) then
		perform private.assert_live_owned(after, after.live_id);
	end if;
	perform private.record_audit(after.workspace_id, after.id, 'show.update', 'show', after.id, to_jsonb(before), to_jsonb(after));
	return after;
end;
$$;

-- Connections: read by members, removed by admins, written only by the OAuth functions.
drop policy "admins add connections" on public.social_connections;
drop policy "admins change connections" on public.social_connections;
revoke insert, update, truncate, references, trigger on public.social_connections from authenticated;

-- As before (20261122006000_meta_connections.sql), and each account says whether another
-- workspace already connected it (connected_elsewhere), so the seller is warned before choosing.
-- Only someone Meta just gave that account's token learns it.
create or replace function public.meta_pending_accounts(pending_id uuid) returns jsonb
language plpgsql stable security definer
set search_path = ''
as $$
declare
	pending private.meta_oauth_pending;
begin
	select * into pending from private.meta_oauth_pending p
	where p.id = pending_id and p.user_id = (select auth.uid()) and p.expires_at > now();
	if not found then
		raise sqlstate 'PT404' using message = 'this Meta sign-in has expired or is not yours; connect again';
	end if;
	return jsonb_build_object(
		'id', pending.id,
		'workspace_id', pending.workspace_id,
		'platform', pending.platform,
		'scopes', to_jsonb(pending.scopes),
		'expires_at', pending.expires_at,
		'accounts', (
			select coalesce(jsonb_agg(
				(account.value - 'encrypted_access_token') || jsonb_build_object(
					'connection_id', existing.id,
					'connection_status', existing.status,
					'connected_elsewhere', exists (
						select 1 from public.social_connections elsewhere
						where elsewhere.workspace_id <> pending.workspace_id
							and elsewhere.platform = account.value ->> 'platform'
							and elsewhere.external_account_id = account.value ->> 'external_account_id'
							and elsewhere.status = 'active'
					))
				order by account.place
			), '[]')
			from jsonb_array_elements(pending.accounts) with ordinality as account (value, place)
			left join public.social_connections existing
				on existing.workspace_id = pending.workspace_id
				and existing.platform = account.value ->> 'platform'
				and existing.external_account_id = account.value ->> 'external_account_id'
		)
	);
end;
$$;

revoke execute on function
	public.meta_confirm_lives(uuid, text[]),
	private.assert_live_owned(public.shows, text)
from public, anon, authenticated, service_role;
grant execute on function public.meta_confirm_lives(uuid, text[]) to service_role;

-- As 20261201200000_webhook_function_names.sql, and a change reaches a show only when the show has
-- a connection whose Instagram account is the delivery's (entry.id).
create or replace function public.webhook_route_event(event_id uuid) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	delivery public.webhook_events;
	change record;
	change_value jsonb;
	target public.shows;
	account_id text;
	reason text;
	-- Per routed change, in batch order: what the result entry says before the engine's outcome.
	routed jsonb := '[]';
	batch jsonb := '[]';
	change_results jsonb := '[]';
	engine_results jsonb;
	final_status text;
begin
	select * into delivery from public.webhook_events e where e.id = event_id for update;
	if not found then
		raise sqlstate 'PT404' using message = 'webhook event not found';
	end if;
	if delivery.status <> 'received' then
		return jsonb_build_object('id', delivery.id, 'status', delivery.status, 'results', delivery.results);
	end if;
	if delivery.payload ->> 'object' is distinct from 'instagram' or jsonb_typeof(delivery.payload -> 'entry') is distinct from 'array' then
		change_results := jsonb_build_array(jsonb_build_object('outcome', 'ignored', 'reason', 'not_an_instagram_delivery'));
		update public.webhook_events e set status = 'ignored', results = change_results, processed_at = now()
		where e.id = delivery.id;
		return jsonb_build_object('id', delivery.id, 'status', 'ignored', 'results', change_results);
	end if;

	for change in
		select entry.value ->> 'id' as entry_id, entry.value ->> 'time' as entry_time, item.value as item
		from jsonb_array_elements(delivery.payload -> 'entry') with ordinality as entry (value, entry_place)
		cross join lateral jsonb_array_elements(
			case when jsonb_typeof(entry.value -> 'changes') = 'array' then entry.value -> 'changes' else '[]'::jsonb end
		) with ordinality as item (value, item_place)
		order by entry.entry_place, item.item_place
	loop
		change_value := change.item -> 'value';
		target := null;
		account_id := null;
		reason := null;
		if change.item ->> 'field' is distinct from 'live_comments' then
			reason := 'unsupported_field';
		elsif jsonb_typeof(change_value) is distinct from 'object'
			or coalesce(change_value ->> 'id', '') = '' or coalesce(change_value -> 'media' ->> 'id', '') = '' then
			reason := 'malformed_change';
		else
			select * into target from public.shows s
			where s.platform = 'instagram' and s.live_id = change_value -> 'media' ->> 'id' and s.status in ('active', 'paused');
			if target.id is null then
				reason := 'no_running_show_for_live';
			else
				-- Only the account the show's connection names may feed it: a show without one is
				-- a rehearsal, and a delivery for another account is not this show's.
				select c.external_account_id into account_id from public.social_connections c where c.id = target.connection_id;
				if account_id is null then
					reason := 'show_has_no_connection';
				elsif account_id is distinct from change.entry_id then
					reason := 'account_mismatch';
				end if;
			end if;
		end if;

		if reason is not null then
			change_results := change_results || jsonb_build_array(jsonb_build_object(
				'entry_id', change.entry_id, 'field', change.item ->> 'field', 'media_id', change_value -> 'media' ->> 'id',
				'comment_id', change_value ->> 'id', 'outcome', 'ignored', 'reason', reason));
			continue;
		end if;
		batch := batch || jsonb_build_array(jsonb_build_object(
			'show_id', target.id,
			'platform', 'instagram',
			'live_id', target.live_id,
			'comment_id', change_value ->> 'id',
			-- Instagram always names the commenter; should it not, the comment still counts, alone.
			'platform_user_id', coalesce(nullif(change_value -> 'from' ->> 'id', ''), 'hidden:' || (change_value ->> 'id')),
			'user_handle', change_value -> 'from' ->> 'username',
			'user_display_name', coalesce(change_value -> 'from' ->> 'username', 'Name hidden by Meta'),
			'text', coalesce(change_value ->> 'text', ''),
			-- entry.time is unix seconds (milliseconds on some deliveries).
			'created_at', case
				when change.entry_time ~ '^[0-9]{1,13}$'
					then to_timestamp(change.entry_time::numeric / case when change.entry_time::bigint > 100000000000 then 1000 else 1 end)
				else now()
			end
		));
		routed := routed || jsonb_build_array(jsonb_build_object(
			'entry_id', change.entry_id, 'field', 'live_comments', 'media_id', target.live_id,
			'comment_id', change_value ->> 'id', 'show_id', target.id));
	end loop;

	if jsonb_array_length(batch) > 0 then
		engine_results := public.ingest_comments(batch);
		select change_results || jsonb_agg(
			(routed -> (place::int - 1)) || jsonb_build_object(
				'outcome', engine_result.value ->> 'outcome',
				'reason', engine_result.value ->> 'reason',
				'replayed', engine_result.value -> 'replayed')
			order by place)
		into change_results
		from jsonb_array_elements(engine_results) with ordinality as engine_result (value, place);

		insert into public.live_ingestion as state
			(show_id, workspace_id, platform, live_id, floor_at, status, last_success_at, last_comment_at, comments_received)
		select s.id, s.workspace_id, s.platform, s.live_id, date_trunc('second', coalesce(s.started_at, now())),
			'listening', now(), now(), counted.received
		from (
			select (comment.value ->> 'show_id')::uuid as show_id, count(*) as received
			from jsonb_array_elements(batch) as comment
			group by 1
		) as counted
		join public.shows s on s.id = counted.show_id
		on conflict (show_id) do update set
			status = 'listening', status_detail = null, last_success_at = now(), last_comment_at = now(),
			comments_received = state.comments_received + excluded.comments_received;
	end if;

	final_status := case when jsonb_array_length(batch) > 0 then 'processed' else 'ignored' end;
	update public.webhook_events e set status = final_status, results = change_results, processed_at = now()
	where e.id = delivery.id;
	return jsonb_build_object('id', delivery.id, 'status', final_status, 'results', change_results);
end;
$$;

