"""工作台 (the workbench): the daily work of budget units, departments and the finance divisions, behind the
platform's single sign-on, through the API as the person logged in. Run by ``fiscal serve`` (port 8502)."""
