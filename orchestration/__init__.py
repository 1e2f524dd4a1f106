"""The gateway to the Prefect API that the running system uses: run and deployment names, and
creating, reading and resuming flow runs. Operator tooling (registering deployments, ``up``)
lives in ``deployments``; the services, tasks and the web app reach Prefect through here.
"""
