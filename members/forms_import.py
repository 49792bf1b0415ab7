"""The roster upload form: an .xlsx of at most 10 MB, checked before anything is stored."""

from django import forms
from django.core.exceptions import ValidationError

from .services.roster_import import MAX_BYTES, check_upload


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="花名册文件",
        help_text=f"Excel 工作簿（.xlsx），不超过 {MAX_BYTES // (1024 * 1024)} MB；"
        "第一行（或标题下面一行）为列名。",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
        error_messages={"required": "请选择要上传的文件。", "empty": "文件是空的。"},
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        try:
            check_upload(file)
        except ValidationError as error:
            raise ValidationError(error.message_dict["file"]) from None
        return file
