-- 011: a pool's desktops may have a network of their own: 'none' (every pool so far: no interface at
-- all) or, for qemu pools, 'restricted' (a user-mode NIC that reaches neither the host nor anything else).
ALTER TABLE pools ADD COLUMN network TEXT NOT NULL DEFAULT 'none';
