-- Removing the last row of an item number dismisses the variant requests still open for it: no
-- variant is left to choose, so the "Needs a variant" list must not keep offering them. They are
-- recorded in the removal's audit entry.

create or replace function public.remove_show_item(item_id uuid) returns void
language plpgsql volatile security definer
set search_path = ''
as $$
declare
	before public.show_items;
	dismissed jsonb;
begin
	before := private.lock_item(item_id, 'assistant');
	if before.claimed_count > 0 or before.waitlist_count > 0 then
		raise sqlstate 'PT409' using message = format(
			'item %s has %s winners and %s waiting: release their claims before removing it', before.item_number, before.claimed_count, before.waitlist_count);
	end if;
	delete from public.show_items where id = before.id;
	if not exists (select 1 from public.show_items i where i.show_id = before.show_id and i.item_number = before.item_number) then
		with closed as (
			update public.variant_requests r
			set status = 'dismissed', resolved_by = (select auth.uid()), resolved_at = now()
			where r.show_id = before.show_id and r.item_number = before.item_number and r.status = 'open'
			returning r.id
		)
		select jsonb_agg(closed.id) into dismissed from closed;
	end if;
	perform private.record_audit((select s.workspace_id from public.shows s where s.id = before.show_id), before.show_id,
		'item.remove', 'show_item', before.id, to_jsonb(before), null,
		case when dismissed is not null then jsonb_build_object('dismissed_variant_requests', dismissed) end);
end;
$$;
