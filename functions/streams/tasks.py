"""The stream consumer Lambda (AWS: DynamoDB Streams event source; local: the runner's poller)."""
import os

from chalice import Blueprint

from crowdcart import analytics  # noqa: F401 - registers its reactions
from crowdcart.reactions import discount_pools  # noqa: F401 - registers its reactions
from crowdcart.reactions import games  # noqa: F401 - registers its reactions
from crowdcart.reactions import gift_vouchers  # noqa: F401 - registers its reactions
from crowdcart.reactions import groups  # noqa: F401 - registers its reactions
from crowdcart.reactions import notifications  # noqa: F401 - registers its reactions
from crowdcart.reactions import referral  # noqa: F401 - registers its reactions
from crowdcart.reactions import rewards  # noqa: F401 - registers its reactions
from crowdcart.reactions.stream import dispatch

bp = Blueprint(__name__)
# the packaged template replaces this with the table's real StreamArn (infra/build.py)
STREAM_ARN = os.environ.get("CROWDCART_TABLE_STREAM_ARN",
                            "arn:aws:dynamodb:us-east-1:000000000000:table/crowdcart/stream/local")


@bp.on_dynamodb_record(stream_arn=STREAM_ARN, batch_size=100, starting_position="TRIM_HORIZON",
                       name="on_table_change")
def on_table_change(event):
    """Run the reactions for a batch of table changes."""
    return {"reactions": dispatch(record.to_dict() for record in event)}
