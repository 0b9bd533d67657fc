-- R39: the transition overview counts a partner's customer invitations by status on each side
-- of their expiry, and lists the soonest to expire, from this index alone (the rows themselves
-- are wide: the sealed link and e-mail).
CREATE INDEX customer_invitations_status ON customer_invitations (partner_id, status, expires_at, kind, id);
-- R39: the admin relationships that end soonest, read in order without sorting them all.
CREATE INDEX admin_relationships_ends ON admin_relationships (partner_id, status, first_end, id);
