-- Gaps: time ranges whose comments were never read, and why ([{from, to, reason}]), kept on the
-- show's ingestion row so the console can tell the seller to check the live.
alter table public.live_ingestion
	add column gaps jsonb not null default '[]' check (jsonb_typeof(gaps) = 'array');

-- A show stopped while its Facebook comments were behind (failing, throttled, catching up, or
-- still sweeping for comments Meta lists late after the end): the comments between what was read
-- and the stop were never read for it.
-- Security definer: it writes live_ingestion whoever changes the show.
create function private.record_unread_gap() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
	update public.live_ingestion i set
		gaps = i.gaps || jsonb_build_array(jsonb_build_object(
			'from', coalesce(i.cursor_newest_at, i.floor_at),
			'to', coalesce(new.ended_at, now()),
			'reason', coalesce(i.status_detail, 'the show was stopped before these comments were read')
		))
	where i.show_id = new.id and i.platform = 'facebook'
		and i.status <> 'live_ended'
		and (i.catch_up is not null or i.live_ended_at is not null
			or i.status in ('starting', 'delayed', 'failed', 'reconnect_required'))
		and coalesce(i.cursor_newest_at, i.floor_at) < coalesce(new.ended_at, now());
	return null;
end;
$$;
create trigger record_unread_gap after update of status on public.shows
	for each row when (new.status = 'ended' and old.status is distinct from 'ended')
	execute function private.record_unread_gap();

revoke execute on function private.record_unread_gap() from public, anon, authenticated, service_role;
