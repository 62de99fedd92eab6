"""The web process: the widget's files, the demo website and (later) the agent console.

Plain Starlette on uvicorn (no Rasa import): ``python -m bot.web`` serves
``create_app()`` on ``WEB_HOST:WEB_PORT``.
"""
