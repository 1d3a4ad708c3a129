"""create orders"""
from alembic import op

revision = "b2b2b2b2b2b2"
down_revision = "a1a1a1a1a1a1"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE TABLE alembic_orders (id int PRIMARY KEY)")


def downgrade():
    op.execute("DROP TABLE alembic_orders")
