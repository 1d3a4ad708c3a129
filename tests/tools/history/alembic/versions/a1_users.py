"""create users"""
from alembic import op

revision = "a1a1a1a1a1a1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE TABLE alembic_users (id int PRIMARY KEY)")


def downgrade():
    op.execute("DROP TABLE alembic_users")
