from complaints.cli import app

app(prog_name="complaints")
