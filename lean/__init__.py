"""Run Rasa without loading TensorFlow, for models that do not use it.

Rasa 3.6 imports TensorFlow at start whatever the model: its core modules
import the TensorFlow-based components and utilities (e.g. ``rasa.core.agent``
-> policies -> featurizers -> ``rasa.utils.train_utils`` -> ``tensorflow``).
Importing it costs 425 MB of memory and 2.3 s here. This bot's pipeline and
policy (spaCy tokens, count vectors, LogisticRegression, RulePolicy) never
call it.

``install()`` puts an inert stand-in for the ``tensorflow`` package (and its
submodules) in front of the import system. Anything taken from it is an empty
class: usable as a base class, a type hint or a decorator, and never doing
anything. ``python -m lean run ...`` installs it and runs Rasa's command line.
``check_model()`` refuses to serve a model that contains TensorFlow-based
components (DIET, TED, ...), so the stand-in is never asked to compute.

The same holds for packages Rasa imports at start for features this bot does
not use (``UNUSED``: MongoDB and DynamoDB tracker stores, the Twilio and Webex
channels, the plots of ``rasa test``): they get the inert stand-in too, and
``check_config()`` refuses endpoints or credentials that would use them. Two
optional imports (``BLOCKED``: thinc's h5py, sklearn's pytest helpers) fail
with ImportError, which their importers handle. Measured (peak RSS of one Rasa
process with the model loaded, `make bench`): 324 MB before, see
docs/performance.md for after; each Sanic worker holds its own copy.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import json
import re
import sys
import tarfile
import types
from pathlib import Path
from typing import Any

STUBBED = ("tensorflow", "tensorflow_addons", "tensorflow_text", "tensorflow_hub", "keras")
# Imported by Rasa at start, used only by features this bot does not use (see
# ``check_config``): the inert stand-in as well.
UNUSED = {
    "matplotlib": "the plots of `rasa test` (rasa.utils.plotting)",
    "pymongo": "tracker store type mongod",
    "bson": "tracker store type mongod",
    "gridfs": "tracker store type mongod",
    "boto3": "tracker store type dynamo and AWS model storage",
    "botocore": "tracker store type dynamo and AWS model storage",
    "twilio": "the twilio and twilio_voice channels",
    "webexteamssdk": "the webexteams channel",
}
# Optional imports whose importers handle ImportError (thinc.compat, sklearn.utils._testing).
BLOCKED = ("h5py", "pytest", "_pytest")
# What check_config refuses: endpoints.yml tracker store types, credentials.yml channels.
UNUSED_TRACKER_STORES = ("mongod", "dynamo")
UNUSED_CHANNELS = ("twilio", "twilio_voice", "webexteams")
# Names Python's own machinery looks up; an inert object must not claim them.
SPECIAL = frozenset(
    "__path__ __file__ __spec__ __loader__ __all__ __wrapped__ __origin__ __args__ "
    "__parameters__ __mro_entries__ __set_name__ __init_subclass__ __class_getitem__ "
    "__signature__ __annotations__ __dict__ __slots__ __module__ __name__ __qualname__ "
    "__code__ __defaults__ __kwdefaults__ __self__ __func__ __isabstractmethod__ "
    "__get__ __set__ __delete__ __enter__ __exit__ __fspath__ __index__ __float__ "
    "__int__ __len__ __iter__ __next__ __call__ __length_hint__ __array__ "
    "__array_interface__ __array_struct__ __array_priority__ __dataclass_fields__".split()
)


class _InertMeta(type):
    """Every attribute of an inert class is another inert class."""

    def __getattr__(cls, name: str) -> Any:
        if name in SPECIAL:
            raise AttributeError(name)
        return inert(f"{cls.__qualname__}.{name}")

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        # Used as a decorator (@tf.function, @register_keras_serializable(...)):
        # hand back what it decorates; any other call gives another inert class.
        if len(args) == 1 and not kwargs and (callable(args[0]) or isinstance(args[0], type)):
            return args[0]
        return inert(f"{cls.__qualname__}()")

    def __iter__(cls) -> Any:
        return iter(())

    def __len__(cls) -> int:
        return 0

    def __bool__(cls) -> bool:
        return False

    def __getitem__(cls, item: Any) -> Any:
        return cls


def inert(name: str) -> type:
    return _InertMeta(name.rpartition(".")[2] or name, (), {"__qualname__": name})


class _InertModule(types.ModuleType):
    __version__ = "0.0.0+inert"

    def __getattr__(self, name: str) -> Any:
        if name in SPECIAL:
            raise AttributeError(name)
        return inert(f"{self.__name__}.{name}")


class _InertFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        top = fullname.split(".")[0]
        if top in BLOCKED:
            raise ImportError(f"{fullname} is not loaded by this bot (lean/)", name=fullname)
        if top in STUBBED or top in UNUSED:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _InertModule(spec.name)
        module.__path__ = []  # a package: submodules resolve through this finder too
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def install() -> None:
    replaced = (*STUBBED, *UNUSED, *BLOCKED)
    loaded = sorted({n.split(".")[0] for n in sys.modules} & set(replaced))
    if loaded:
        raise RuntimeError(f"{', '.join(loaded)} already imported; install() must run first")
    sys.meta_path.insert(0, _InertFinder())


def check_config(argv: list[str]) -> None:
    """Refuse endpoints or credentials that use a feature of ``UNUSED``."""
    import yaml

    def load(option: str) -> dict:
        if option not in argv:
            return {}
        path = Path(argv[argv.index(option) + 1])
        return (yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None) or {}

    store = (load("--endpoints").get("tracker_store") or {}).get("type")
    channels = sorted(set(load("--credentials")) & set(UNUSED_CHANNELS))
    if store in UNUSED_TRACKER_STORES or channels:
        what = f"tracker store {store!r}" if store in UNUSED_TRACKER_STORES else channels[0]
        raise SystemExit(f"python -m lean does not load what {what} needs: use `python -m rasa`")


# A component needs TensorFlow when its module imports it at the top.
IMPORTS_TENSORFLOW = re.compile(r"^(?:import|from)\s+tensorflow\b", re.MULTILINE)


def tensorflow_components(model: Path) -> list[str]:
    """The components of a trained model (``rasa train`` output) that use TensorFlow."""
    with tarfile.open(model) as archive:
        member = next(m for m in archive.getmembers() if m.name.lstrip("/") == "metadata.json")
        metadata = json.load(archive.extractfile(member))  # type: ignore[arg-type]
    found = []
    for node in metadata["predict_schema"]["nodes"].values():
        module = node["uses"].rpartition(".")[0]
        spec = importlib.util.find_spec(module)
        source = Path(spec.origin).read_text(encoding="utf-8") if spec and spec.origin else ""
        if IMPORTS_TENSORFLOW.search(source) and node["uses"] not in found:
            found.append(node["uses"])
    return found


def check_model(argv: list[str]) -> None:
    """Refuse to serve a model that needs TensorFlow (``--model`` must name a file)."""
    model = Path(argv[argv.index("--model") + 1]) if "--model" in argv else None
    if model is None or not model.is_file():
        raise SystemExit("python -m lean needs --model with a trained model file")
    needs = tensorflow_components(model)
    if needs:
        raise SystemExit(
            f"{model} uses TensorFlow ({', '.join(needs)}): serve it with `python -m rasa`"
        )
