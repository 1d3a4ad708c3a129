--! Previous: sha1:1cedea28db1ac21b077a8d0e963c59dd1f19f9df
--! Hash: sha1:dae8bf73ea1aa66b013fc07377a2166f3329708c
--! Message: broken

SELECT no_such_function();
