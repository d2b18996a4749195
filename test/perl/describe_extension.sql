-- Everything the tracker extension is in a database, as the catalogs
-- describe it: one row per object (kind, name, definition), the fields
-- separated by chr(31) and the rows ended by chr(30).  Objects are named
-- without their oids, so that two databases can be compared; what a table
-- holds is not described, only what it is.
WITH ext AS (SELECT * FROM pg_extension WHERE extname = 'tracker'),
nsp AS (SELECT n.oid, n.nspname FROM pg_namespace n
        WHERE n.nspname IN ('tracker', 'bronze', 'silver', 'gold', 'api')),
rel AS (SELECT c.* FROM pg_class c JOIN nsp ON nsp.oid = c.relnamespace)
SELECT kind || chr(31) || name || chr(31) || coalesce(def, '') || chr(30) FROM (
  -- the extension itself: version, schema, and what pg_dump keeps of it
  SELECT 'extension' AS kind, e.extname::text AS name,
         concat_ws(E'\n', 'version ' || e.extversion, 'schema ' || e.extnamespace::regnamespace,
                   'relocatable ' || e.extrelocatable, 'owner ' || e.extowner::regrole,
                   'comment ' || obj_description(e.oid, 'pg_extension'),
                   (SELECT string_agg('dumped ' || c.oid::regclass::text || ' ' || coalesce(nullif(cond, ''), '(all rows)'),
                                      E'\n' ORDER BY c.oid::regclass::text)
                    FROM unnest(e.extconfig, e.extcondition) AS x(cfg, cond)
                         JOIN pg_class c ON c.oid = x.cfg)) AS def
  FROM ext e
  UNION ALL
  -- every member of the extension, whatever its kind
  SELECT 'member', pg_describe_object(d.classid, d.objid, d.objsubid), ''
  FROM pg_depend d, ext WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
  UNION ALL
  SELECT 'schema', n.nspname::text,
         concat_ws(E'\n', 'owner ' || n.nspowner::regrole, 'acl ' || n.nspacl::text,
                   'comment ' || obj_description(n.oid, 'pg_namespace'))
  FROM pg_namespace n JOIN nsp USING (oid)
  UNION ALL
  SELECT 'relation', c.oid::regclass::text,
         concat_ws(E'\n', 'relkind ' || c.relkind::text, 'persistence ' || c.relpersistence::text,
                   'owner ' || c.relowner::regrole, 'acl ' || c.relacl::text,
                   'options ' || c.reloptions::text, 'replica identity ' || c.relreplident::text,
                   'row security ' || c.relrowsecurity || ' ' || c.relforcerowsecurity,
                   'comment ' || obj_description(c.oid, 'pg_class'),
                   (SELECT string_agg(format('column %s %s%s%s%s%s%s%s%s', a.attname,
                                             format_type(a.atttypid, a.atttypmod),
                                             CASE WHEN a.attnotnull THEN ' not null' END,
                                             CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text END,
                                             CASE WHEN a.attgenerated <> '' THEN ' generated ' || a.attgenerated::text END,
                                             ' ' || pg_get_expr(ad.adbin, ad.adrelid),
                                             CASE WHEN a.attcollation <> 0 THEN ' collate ' || a.attcollation::regcollation END,
                                             ' acl ' || a.attacl::text,
                                             ' comment ' || col_description(c.oid, a.attnum)),
                                      E'\n' ORDER BY a.attnum)
                    FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
                   (SELECT string_agg(format('constraint %s %s%s%s', k.conname, pg_get_constraintdef(k.oid),
                                             CASE WHEN k.condeferrable THEN ' deferrable' END,
                                             ' comment ' || obj_description(k.oid, 'pg_constraint')),
                                      E'\n' ORDER BY k.conname)
                    FROM pg_constraint k WHERE k.conrelid = c.oid),
                   (SELECT string_agg('index ' || pg_get_indexdef(i.indexrelid) ||
                                      CASE WHEN i.indisclustered THEN ' clustered' END ||
                                      coalesce(' comment ' || obj_description(i.indexrelid, 'pg_class'), ''),
                                      E'\n' ORDER BY pg_get_indexdef(i.indexrelid))
                    FROM pg_index i WHERE i.indrelid = c.oid),
                   (SELECT string_agg('trigger ' || pg_get_triggerdef(t.oid) || ' enabled ' || t.tgenabled::text,
                                      E'\n' ORDER BY t.tgname)
                    FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal),
                   (SELECT string_agg('rule ' || pg_get_ruledef(r.oid), E'\n' ORDER BY r.rulename)
                    FROM pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN'),
                   (SELECT string_agg('policy ' || p.polname, E'\n' ORDER BY p.polname)
                    FROM pg_policy p WHERE p.polrelid = c.oid),
                   CASE WHEN c.relkind IN ('v', 'm') THEN 'view ' || pg_get_viewdef(c.oid) END,
                   (SELECT format('sequence %s start %s increment %s min %s max %s cache %s cycle %s',
                                  s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
                                  s.seqcache, s.seqcycle)
                    FROM pg_sequence s WHERE s.seqrelid = c.oid),
                   (SELECT string_agg('owned by ' || pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid)
                                      || ' ' || d.deptype::text, E'\n')
                    FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND c.relkind = 'S'))
  FROM rel c WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')
  UNION ALL
  SELECT 'function', p.oid::regprocedure::text,
         concat_ws(E'\n', pg_get_functiondef(p.oid), 'owner ' || p.proowner::regrole,
                   'acl ' || p.proacl::text, 'comment ' || obj_description(p.oid, 'pg_proc'))
  FROM pg_proc p JOIN nsp ON nsp.oid = p.pronamespace
  UNION ALL
  SELECT 'type', t.oid::regtype::text, concat_ws(E'\n', 'type ' || t.typtype::text, 'owner ' || t.typowner::regrole,
                                           'acl ' || t.typacl::text)
  FROM pg_type t JOIN nsp ON nsp.oid = t.typnamespace
  WHERE t.typrelid = 0 AND t.typelem = 0
  UNION ALL
  SELECT 'event trigger', g.evtname::text,
         concat_ws(E'\n', 'on ' || g.evtevent, 'tags ' || g.evttags::text, 'function ' || g.evtfoid::regprocedure,
                   'enabled ' || g.evtenabled::text, 'owner ' || g.evtowner::regrole,
                   'comment ' || obj_description(g.oid, 'pg_event_trigger'))
  FROM pg_event_trigger g
  UNION ALL
  SELECT 'initial privileges', pg_describe_object(i.classoid, i.objoid, i.objsubid),
         i.privtype::text || ' ' || i.initprivs::text
  FROM pg_init_privs i, ext
  WHERE EXISTS (SELECT 1 FROM pg_depend d WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid
                AND d.deptype = 'e' AND d.classid = i.classoid AND d.objid = i.objoid)
  UNION ALL
  SELECT 'default privileges', coalesce(nullif(a.defaclnamespace, 0)::regnamespace::text, '(all schemas)')
                               || ' ' || a.defaclobjtype::text,
         a.defaclrole::regrole || ' ' || a.defaclacl::text
  FROM pg_default_acl a
  UNION ALL
  SELECT 'role', r.rolname::text,
         concat_ws(E'\n', format('login %s super %s createrole %s createdb %s replication %s bypassrls %s inherit %s',
                                 r.rolcanlogin, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication,
                                 r.rolbypassrls, r.rolinherit),
                   (SELECT string_agg('member of ' || m.roleid::regrole, E'\n' ORDER BY m.roleid::regrole::text)
                    FROM pg_auth_members m WHERE m.member = r.oid))
  FROM pg_roles r WHERE r.rolname = 'tracker_web'
) x
ORDER BY kind, name, def;
