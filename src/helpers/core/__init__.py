"""core."""

import warnings

# pandera tries `import pyspark.pandas` whenever it is imported (pyspark is installed for
# the Spark engine tests); under pandas 3 that import warns, with the site-packages path,
# and then fails, which pandera ignores. The warning would land in executed notebooks and
# make them differ by machine, so this one message is filtered for any process that uses
# the package (the Spark engine uses pyspark.sql, never pyspark.pandas).
warnings.filterwarnings(
    "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
)
