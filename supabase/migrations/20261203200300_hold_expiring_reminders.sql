-- Reminding an invoiced buyer before their hold runs out: hold_expiring is queued once per order
-- when its due_at comes within the workspace's hours_before (default 2; the event switched off
-- sends none) while the order is still invoiced and unpaid, unless it was invoiced within those
-- hours (its payment link already said when to pay by). No schedule of its own: the sender's
-- lease (public.meta_outbox_lease, run every second by the meta-outbox schedule, pg_cron on
-- Supabase) queues the reminders that came due before it leases, so a reminder goes out within
-- a second or two of its time.

create function private.queue_hold_expiring_reminders() returns void
language plpgsql
set search_path = ''
as $$
declare
	due public.orders;
begin
	for due in
		select o.* from public.orders o
		join public.workspaces w on w.id = o.workspace_id
		cross join lateral (select private.buyer_message_settings(w.settings) -> 'hold_expiring' as settings) e
		-- 48 hours: the most hours_before allows; keeps the scan on the invoiced orders due soon.
		where o.status = 'invoiced' and o.due_at > now() and o.due_at <= now() + interval '48 hours'
			and o.payment_url is not null
			and (e.settings ->> 'enabled')::boolean
			and o.due_at <= now() + make_interval(hours => (e.settings ->> 'hours_before')::int)
			-- An invoice sent inside the reminder's hours already said when to pay by.
			and o.invoiced_at < o.due_at - make_interval(hours => (e.settings ->> 'hours_before')::int)
			and not exists (select 1 from public.buyer_messages m where m.order_id = o.id and m.event = 'hold_expiring')
		order by o.due_at
	loop
		perform private.queue_order_message(due, 'hold_expiring', format('hold_expiring:%s', due.id));
	end loop;
end;
$$;

revoke execute on function private.queue_hold_expiring_reminders() from public, anon, authenticated, service_role;
