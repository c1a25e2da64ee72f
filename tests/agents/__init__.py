"""Agent tests; litellm must use its bundled cost map even when imported first."""

import os

# Test modules import litellm before agents.llm (imports sort third-party first);
# without this litellm would try to download its cost map at import.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
