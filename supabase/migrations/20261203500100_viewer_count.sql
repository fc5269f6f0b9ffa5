-- The viewer count of a running Facebook live, for the live console's status bar. fb-poll already
-- asks the live video its status on every poll; it now asks `status,live_views` in that same call
-- and hands the count to fb_poll_complete, so it costs no extra Graph call. It is kept on the
-- show's ingestion row, which every poll writes anyway and members already follow over Realtime
-- (on the shows row it would rewrite and resend the show every 2 s). Null when not known: before
-- the first poll, once the live ended, and for Instagram, whose API reports no live viewer count.
alter table public.live_ingestion
	add column viewer_count int check (viewer_count >= 0),
	add column viewer_count_at timestamptz;

-- fb_poll_complete as before (20261201100100_fb_poll_catch_up.sql), plus viewer_count: Meta's
-- live_views at this poll, or null when it was not asked (the live ended).
drop function public.fb_poll_complete(uuid, uuid, jsonb, timestamptz, jsonb, int, text, text, numeric, jsonb, timestamptz, int);
create function public.fb_poll_complete(
	show_id uuid,
	lease_token uuid,
	comments jsonb,
	cursor_newest_at timestamptz,
	cursor_recent jsonb,
	next_poll_in_ms int,
	status text,
	status_detail text default null,
	usage_percent numeric default null,
	catch_up jsonb default null,
	live_ended_at timestamptz default null,
	end_sweeps int default 0,
	viewer_count int default null
) returns jsonb
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	state public.live_ingestion;
	results jsonb := '[]';
	received int := coalesce(jsonb_array_length(comments), 0);
begin
	select * into state from public.live_ingestion i where i.show_id = fb_poll_complete.show_id for update;
	if not found or state.lease_token is distinct from fb_poll_complete.lease_token then
		raise sqlstate 'PT409' using message = 'the poll lease was lost to another run; this batch was not ingested';
	end if;
	-- Before the batch, so that comments created after the end are judged by it.
	update public.live_ingestion i set live_ended_at = coalesce(i.live_ended_at, fb_poll_complete.live_ended_at)
	where i.show_id = fb_poll_complete.show_id;
	if received > 0 then
		results := public.ingest_comments(comments);
	end if;
	update public.live_ingestion i set
		cursor_newest_at = fb_poll_complete.cursor_newest_at,
		cursor_recent = coalesce(fb_poll_complete.cursor_recent, '{}'),
		catch_up = fb_poll_complete.catch_up,
		end_sweeps = greatest(0, fb_poll_complete.end_sweeps),
		lease_token = null,
		lease_until = null,
		last_success_at = now(),
		last_comment_at = case when received > 0 then now() else i.last_comment_at end,
		comments_received = i.comments_received + received,
		consecutive_failures = 0,
		backoff_until = null,
		last_error = null,
		usage_percent = fb_poll_complete.usage_percent,
		live_checked_at = now(),
		viewer_count = case when fb_poll_complete.viewer_count >= 0 then fb_poll_complete.viewer_count end,
		viewer_count_at = case when fb_poll_complete.viewer_count is null then i.viewer_count_at else now() end,
		-- Half a second early, so the scheduler's next tick finds it due despite jitter.
		next_poll_at = coalesce(i.last_polled_at, now()) + make_interval(secs => greatest(0, next_poll_in_ms - 500) / 1000.0),
		status = fb_poll_complete.status,
		status_detail = fb_poll_complete.status_detail
	where i.show_id = fb_poll_complete.show_id;
	return jsonb_build_object('ingested', received, 'results', results);
end;
$$;

revoke execute on function
	public.fb_poll_complete(uuid, uuid, jsonb, timestamptz, jsonb, int, text, text, numeric, jsonb, timestamptz, int, int)
from public, anon, authenticated, service_role;
grant execute on function
	public.fb_poll_complete(uuid, uuid, jsonb, timestamptz, jsonb, int, text, text, numeric, jsonb, timestamptz, int, int)
to service_role;
