"""The service's resources, one folder each (model, schemas, repository, router). A new
resource adds its router to `routers.py` and its models to `models.py`: the app factory includes
every router there, and template updates leave both lists alone.

The platform below (`api`, `db`, `cache`, `jobs`, `observability`, `auth`) never imports a
resource."""
