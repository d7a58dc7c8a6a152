"""Every model the training scripts make, read from the scripts themselves: a script that ships models
names them on one line, VARIANTS = ["unet", "unet-noskip"]. scripts/models.sh runs this to find a model's
script, and CI smoke-trains every model it lists.

    python3 training/common/variants.py     # one line per model: slug, script, and --model <slug> where the script makes several

The scripts are parsed, not imported, so listing needs neither torch nor the data."""
import ast
import glob
import os

TRAINING = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def variants():
    """[(slug, script path relative to the repository, extra arguments)] in script order."""
    models = []
    for path in sorted(glob.glob(os.path.join(TRAINING, "*.py"))):
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        for node in tree.body:
            if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["VARIANTS"]:
                slugs = ast.literal_eval(node.value)
                script = os.path.join("training", os.path.basename(path))
                models += [(slug, script, ["--model", slug] if len(slugs) > 1 else []) for slug in slugs]
    return models


if __name__ == "__main__":
    for slug, script, args in variants():
        print(slug, script, *args)
