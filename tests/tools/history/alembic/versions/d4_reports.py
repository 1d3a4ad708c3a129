"""a second branch: reports (makes a second head)"""
from alembic import op

revision = "d4d4d4d4d4d4"
down_revision = "a1a1a1a1a1a1"
branch_labels = ("reports",)
depends_on = None


def upgrade():
    op.execute("CREATE TABLE alembic_reports (id int PRIMARY KEY)")


def downgrade():
    op.execute("DROP TABLE alembic_reports")
