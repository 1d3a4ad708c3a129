"""fails on purpose"""
from alembic import op

revision = "c3c3c3c3c3c3"
down_revision = "b2b2b2b2b2b2"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SELECT no_such_function()")


def downgrade():
    pass
