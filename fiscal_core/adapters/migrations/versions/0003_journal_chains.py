"""journal: one hash chain per 区划 (chain, chain_seq on every row; journal_chain holds each chain's tip,
the row a writer locks) and cross-anchors (journal_anchor). PostgreSQL draws the global seq from the
sequence journal_global_seq, so writers of different 区划 no longer take one global lock.

An existing journal becomes the closed chain 'legacy': its rows keep their seq, prev_hash and hash
(chain_seq = seq), so they verify exactly as they were written; new rows go to their 区划's chain.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 03:26:10.128748
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('journal_anchor',
    sa.Column('anchor_no', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('journal_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tips_json', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('anchor_no', name=op.f('pk_journal_anchor'))
    )
    op.create_table('journal_chain',
    sa.Column('chain', sa.String(length=16), nullable=False),
    sa.Column('tip_chain_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tip_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tip_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('chain', name=op.f('pk_journal_chain'))
    )
    # existing rows: the legacy chain, numbered by their seq (the defaults only fill them, then go)
    with op.batch_alter_table('journal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain', sa.String(length=16), nullable=False, server_default='legacy'))
        batch_op.add_column(sa.Column('chain_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      nullable=False, server_default='0'))
    op.execute("UPDATE journal SET chain_seq = seq")
    with op.batch_alter_table('journal', schema=None) as batch_op:
        batch_op.alter_column('chain', server_default=None)
        batch_op.alter_column('chain_seq', server_default=None)
        batch_op.create_index('ux_journal_chain', ['chain', 'chain_seq'], unique=True)
    op.execute("INSERT INTO journal_chain (chain, tip_chain_seq, tip_seq, tip_hash) "
               "SELECT 'legacy', seq, seq, hash FROM journal WHERE seq = (SELECT max(seq) FROM journal)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE journal_global_seq")
        op.execute("SELECT setval('journal_global_seq', coalesce((SELECT max(seq) FROM journal), 0) + 1, false)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE journal_global_seq")
    with op.batch_alter_table('journal', schema=None) as batch_op:
        batch_op.drop_index('ux_journal_chain')
        batch_op.drop_column('chain_seq')
        batch_op.drop_column('chain')

    op.drop_table('journal_chain')
    op.drop_table('journal_anchor')
